#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cstdint>
#include <algorithm>
/******************************************************************************
 * Copyright (c) 2023, Tri Dao.
 ******************************************************************************/

                              
                          
                                                                                           


/******************************************************************************
 * Copyright (c) 2024, Tri Dao.
 ******************************************************************************/



////////////////////////////////////////////////////////////////////////////////////////////////////

                       
                             

                                  
                         

                           
                       
                       
                            
                                
                             
                         
                         

                       
                                    
                                
                                

                            
                             
                                  
                                
                               

                                      
                                        

                                                                                
                                                
                                                 

                                   

                                                                              
                              
                                        
                                    
                                    

                            
                                      
                                  
                                  
 ;

                                             
                            
                        
                        
                             
                                 
                              
                          
                          

                            
                              
                                   
                                 
                                

                               
                                         
                                     
                                     

                             
                                       
                                   
                                   

                       
                                             
                                           
                                           
                                         
                                         
 ;


/******************************************************************************
 * Copyright (c) 2023, Tri Dao.
 ******************************************************************************/




    #include <cuda_bf16.h>

                        
                                                        
                                                          
     

                                                                     
     
                               
     

                        
                                         
                              
     


















#include <cuda_fp16.h>

////////////////////////////////////////////////////////////////////////////////////////////////////

                                          

                                   
                       
                                      
  

                                  
                          
                                     
  

                                  
                          
                                     
  

                                  
                          
                                     
  

                                  
                         
                                     
  

////////////////////////////////////////////////////////////////////////////////////////////////////

                    
              
                                                                          
  

                     
                  
                                                                                  
                                           
                                                       
                                           
                                          
                                             
     
  

          
                     
                                       
                                                   
                                 
             
 
  


// Inspired by https://github.com/NVIDIA/DALI/blob/main/include/dali/core/static_switch.h
// and https://github.com/pytorch/pytorch/blob/master/aten/src/ATen/Dispatch.h



/// @param COND       - a boolean expression to switch by
/// @param CONST_NAME - a name given for the constexpr bool variable.
/// @param ...       - code to execute for true and false
///
/// Usage:
/// ```
/// BOOL_SWITCH(flag, BoolConst, [&] {
///     some_function<BoolConst>(...);
/// });
/// ```
#define BOOL_SWITCH(COND, CONST_NAME, ...)                                           \
    [&] {                                                                            \
        if (COND) {                                                                  \
            static constexpr bool CONST_NAME = true;                                 \
            return __VA_ARGS__();                                                    \
        } else {                                                                     \
            static constexpr bool CONST_NAME = false;                                \
            return __VA_ARGS__();                                                    \
        }                                                                            \
    }()


                                                                            
                                           
                             
                               
                                                
                                          
                                                   
                                                
  

template<int kNThreads_, int kWidth_, typename input_t_, typename weight_t_, bool kIsCircularBuffer>
__global__ __launch_bounds__((kNThreads_))
void causal_conv1d_update_kernel(int params_dim, int params_seqlen, bool params_silu_activation, uint32_t params_x_batch_stride, uint32_t params_x_c_stride, uint32_t params_x_l_stride, uint32_t params_weight_c_stride, uint32_t params_weight_width_stride, uint32_t params_out_batch_stride, uint32_t params_out_c_stride, uint32_t params_out_l_stride, int params_conv_state_len, uint32_t params_conv_state_batch_stride, uint32_t params_conv_state_c_stride, uint32_t params_conv_state_l_stride, input_t_* params_x_ptr, weight_t_* params_weight_ptr, weight_t_* params_bias_ptr, input_t_* params_out_ptr, input_t_* params_conv_state_ptr, int32_t* params_cache_seqlens, int32_t* params_conv_state_indices_ptr) {
    constexpr int kWidth = (kWidth_);
    constexpr int kNThreads = (kNThreads_);
    using input_t = input_t_;
    using weight_t = weight_t_;

    const int tidx = threadIdx.x;
    const int batch_id = blockIdx.x;
    const int channel_id = blockIdx.y * kNThreads + tidx;
    if (channel_id >= params_dim) return;

    input_t *x = params_x_ptr + batch_id * params_x_batch_stride
        + channel_id * params_x_c_stride;
    input_t *out = params_out_ptr + batch_id * params_out_batch_stride
        + channel_id * params_out_c_stride;

    // If params.conv_state_batch_indices is set, then the conv state is gathered from the conv state tensor
    // along the batch axis. Otherwise, the conv state coordinate is the same as the batch id.
    const int conv_state_batch_coord = params_conv_state_indices_ptr == nullptr
        ? batch_id
        : params_conv_state_indices_ptr[batch_id];

    // Skip padding tokens.
    if (conv_state_batch_coord < 0) {
        #pragma unroll 2
        for (int i = 0; i < params_seqlen; ++i) {
            out[i * params_out_l_stride] = input_t(0.f);
        }
        return;
    }
    input_t *conv_state = params_conv_state_ptr
        + conv_state_batch_coord * params_conv_state_batch_stride
        + channel_id * params_conv_state_c_stride;
    weight_t *weight = params_weight_ptr + channel_id * params_weight_c_stride;
    float bias_val = params_bias_ptr == nullptr ? 0.f : float(params_bias_ptr[channel_id]);

    int state_len = params_conv_state_len;
    int advance_len = params_seqlen;
    int cache_seqlen = kIsCircularBuffer ? params_cache_seqlens[batch_id] % state_len : 0;
    int update_idx = cache_seqlen - (kWidth - 1);
    update_idx = update_idx < 0 ? update_idx + state_len : update_idx;

    float weight_vals[kWidth] = {0};
    #pragma unroll
    for (int i = 0; i < kWidth; ++i) { weight_vals[i] = float(weight[i * params_weight_width_stride]); }

    float x_vals[kWidth] = {0};
    if constexpr (!kIsCircularBuffer) {
        #pragma unroll 2
        for (int i = 0; i < state_len - advance_len - (kWidth - 1); ++i) {
            conv_state[i * params_conv_state_l_stride] = conv_state[(i + advance_len) * params_conv_state_l_stride];
        }
        #pragma unroll
        for (int i = 0; i < kWidth - 1; ++i) {
            input_t state_val = conv_state[(state_len - (kWidth - 1) + i) * params_conv_state_l_stride];
            if (i < advance_len + (kWidth - 1) && state_len - advance_len - (kWidth - 1) + i >= 0) {
                conv_state[(state_len - advance_len - (kWidth - 1) + i) * params_conv_state_l_stride] = state_val;
            }
            x_vals[i] = float(state_val);
        }
    } else {
        #pragma unroll
        for (int i = 0; i < kWidth - 1; ++i, update_idx = update_idx + 1 >= state_len ? update_idx + 1 - state_len : update_idx + 1) {
            input_t state_val = conv_state[update_idx * params_conv_state_l_stride];
            x_vals[i] = float(state_val);
        }
    }
    #pragma unroll 2
    for (int i = 0; i < params_seqlen; ++i) {
        input_t x_val = x[i * params_x_l_stride];
        if constexpr (!kIsCircularBuffer) {
            if (i < advance_len && state_len - advance_len + i >= 0) {
                conv_state[(state_len - advance_len + i) * params_conv_state_l_stride] = x_val;
            }
        } else {
            conv_state[update_idx * params_conv_state_l_stride] = x_val;
            ++update_idx;
            update_idx = update_idx >= state_len ? update_idx - state_len : update_idx;
        }
        x_vals[kWidth - 1] = float(x_val);
        float out_val = bias_val;
        #pragma unroll
        for (int j = 0; j < kWidth; ++j) { out_val += weight_vals[j] * x_vals[j]; }
        if (params_silu_activation) { out_val = out_val / (1 + expf(-out_val)); }
        out[i * params_out_l_stride] = input_t(out_val);
        // Shift the input buffer by 1
        #pragma unroll
        for (int i = 0; i < kWidth - 1; ++i) { x_vals[i] = x_vals[i + 1]; }
    }
}

                                                                        
                                                                               
                                                                                             
                                                                      
                                                 
                                                      
                                                      
                                                            
                                   
 

                                             
                                                                             
                            
                                                                              
                                   
                                                                              
                                   
                                                                              
     
 

                                                                                                   
                                                                                                      
                                                                                                          
                                                                                                      
                                                                                                         
                                                                                                             
                                                                                                          
                                                                                                             
                                                                                                                 


