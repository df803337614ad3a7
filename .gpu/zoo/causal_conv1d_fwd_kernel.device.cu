#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cstdint>
#include <algorithm>
/******************************************************************************
 * Copyright (c) 2024, Tri Dao.
 ******************************************************************************/

                              
                          
                                                                                           


    #include <cub/block/block_load.cuh>
    #include <cub/block/block_store.cuh>
    #define ROCM_ONLY(x) 







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

                        
                                                        
                                                          
     

    constexpr size_t custom_max(std::initializer_list<size_t> ilist) 
    {
        return std::max(ilist);
    }

                        
                                         
                              
     


















#include <cuda_fp16.h>

////////////////////////////////////////////////////////////////////////////////////////////////////

template<int BYTES> struct BytesToType {};

template<> struct BytesToType<16> {
    using Type = uint4;
    static_assert(sizeof(Type) == 16);
};

template<> struct BytesToType<8> {
    using Type = uint64_t;
    static_assert(sizeof(Type) == 8);
};

template<> struct BytesToType<4> {
    using Type = uint32_t;
    static_assert(sizeof(Type) == 4);
};

template<> struct BytesToType<2> {
    using Type = uint16_t;
    static_assert(sizeof(Type) == 2);
};

template<> struct BytesToType<1> {
    using Type = uint8_t;
    static_assert(sizeof(Type) == 1);
};

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


                                                                                              
                                        
                             
                               
                                                
                                          
                                                   
                                                
                                                       
                                    
                                                   
                                                               
                                                                                                  
                                                                                      
                                                                                                     
                                                                                         
                                                 
           
                                                                                                            
                                                                          
                                                                     
  

template<int kNThreads_, int kWidth_, bool kIsVecLoad_, typename input_t_, typename weight_t_>
__global__ __launch_bounds__((kNThreads_))
void causal_conv1d_fwd_kernel(int params_seqlen, bool params_silu_activation, uint32_t params_x_batch_stride, uint32_t params_x_c_stride, uint32_t params_weight_c_stride, uint32_t params_weight_width_stride, uint32_t params_out_batch_stride, uint32_t params_out_c_stride, input_t_* params_x_ptr, weight_t_* params_weight_ptr, weight_t_* params_bias_ptr, input_t_* params_out_ptr) {
    constexpr int kWidth = (kWidth_);
    constexpr int kNThreads = (kNThreads_);
    constexpr int kNElts = ((sizeof(input_t_)) == 4 ? 4 : 8);
    static constexpr bool kIsVecLoad = (kIsVecLoad_);
    using input_t = input_t_;
    using vec_t = typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type;
    using weight_t = weight_t_;

    // Shared memory.
    extern __shared__ char smem_[];
    auto& smem_load = reinterpret_cast<typename cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>::TempStorage&>(smem_);
    auto& smem_load_vec = reinterpret_cast<typename cub::BlockLoad<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_LOAD_DIRECT>::TempStorage&>(smem_);
    auto& smem_store = reinterpret_cast<typename cub::BlockStore<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_STORE_WARP_TRANSPOSE>::TempStorage&>(smem_);
    auto& smem_store_vec = reinterpret_cast<typename cub::BlockStore<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_STORE_DIRECT>::TempStorage&>(smem_);
    vec_t *smem_exchange = reinterpret_cast<vec_t *>(smem_ + ((kIsVecLoad_) ? 0 : custom_max({sizeof(typename cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>::TempStorage), sizeof(typename cub::BlockStore<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_STORE_WARP_TRANSPOSE>::TempStorage)})));

    const int tidx = threadIdx.x;
    const int batch_id = blockIdx.x;
    const int channel_id = blockIdx.y;
    input_t *x = params_x_ptr + batch_id * params_x_batch_stride
        + channel_id * params_x_c_stride;
    weight_t *weight = params_weight_ptr + channel_id * params_weight_c_stride;
    input_t *out = params_out_ptr + batch_id * params_out_batch_stride
        + channel_id * params_out_c_stride;
    float bias_val = params_bias_ptr == nullptr ? 0.f : float(params_bias_ptr[channel_id]);

    // Thread 0 will load the last elements of the previous chunk, so we initialize those to 0.
    if (tidx == 0) {
        input_t zeros[kNElts] = {0};
        smem_exchange[kNThreads - 1] = reinterpret_cast<vec_t *>(zeros)[0];
    }

    float weight_vals[kWidth];
    #pragma unroll
    for (int i = 0; i < kWidth; ++i) { weight_vals[i] = float(weight[i * params_weight_width_stride]); }

    constexpr int kChunkSize = kNThreads * kNElts;
    const int n_chunks = (params_seqlen + kChunkSize - 1) / kChunkSize;
    for (int chunk = 0; chunk < n_chunks; ++chunk) {
        input_t x_vals_load[2 * kNElts] = {0};
        if constexpr(kIsVecLoad) {
            cub::BlockLoad<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_LOAD_DIRECT>(smem_load_vec).Load(reinterpret_cast<vec_t*>(x), *reinterpret_cast<vec_t (*)[1]>(&x_vals_load[kNElts]), (params_seqlen - chunk * kChunkSize) / kNElts);
        } else {
            __syncthreads();
            cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>(smem_load).Load(x, *reinterpret_cast<input_t (*)[kNElts]>(&x_vals_load[kNElts]), params_seqlen - chunk * kChunkSize);
        }
        x += kChunkSize;
        __syncthreads();
        // Thread kNThreads - 1 don't write yet, so that thread 0 can read
        // the last elements of the previous chunk.
        if (tidx < kNThreads - 1) { smem_exchange[tidx] = reinterpret_cast<vec_t *>(x_vals_load)[1]; }
        __syncthreads();
        reinterpret_cast<vec_t *>(x_vals_load)[0] = smem_exchange[tidx > 0 ? tidx - 1 : kNThreads - 1];
        __syncthreads();
        // Now thread kNThreads - 1 can write the last elements of the current chunk.
        if (tidx == kNThreads - 1) { smem_exchange[tidx] = reinterpret_cast<vec_t *>(x_vals_load)[1]; }

        float x_vals[2 * kNElts];
        #pragma unroll
        for (int i = 0; i < 2 * kNElts; ++i) { x_vals[i] = float(x_vals_load[i]); }

        float out_vals[kNElts];
        #pragma unroll
        for (int i = 0; i < kNElts; ++i) {
            out_vals[i] = bias_val;
            #pragma unroll
            for (int w = 0; w < kWidth; ++w) {
                out_vals[i] += weight_vals[w] * x_vals[kNElts + i - (kWidth - w - 1)];
            }
        }

        if (params_silu_activation) {
            #pragma unroll
            for (int i = 0; i < kNElts; ++i) {
                out_vals[i] = out_vals[i] / (1 + expf(-out_vals[i]));
            }
        }

        input_t out_vals_store[kNElts];
        #pragma unroll
        for (int i = 0; i < kNElts; ++i) { out_vals_store[i] = out_vals[i]; }
        if constexpr(kIsVecLoad) {
            cub::BlockStore<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_STORE_DIRECT>(smem_store_vec).Store(reinterpret_cast<vec_t*>(out), reinterpret_cast<vec_t (&)[1]>(out_vals_store), (params_seqlen - chunk * kChunkSize) / kNElts);
        } else {
            cub::BlockStore<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_STORE_WARP_TRANSPOSE>(smem_store).Store(out, out_vals_store, params_seqlen - chunk * kChunkSize);
        }
        out += kChunkSize;
    }
}

                                                                        
                                                                            
                                                               
                                                              
                                                                                                          
                                                     
                                            

                                                         

                                     
                                                                                                   
                                                
                                                                                                     
                                                                                                                                                                                                                                                   
         
                                                                        

                                       
       
 

                                             
                                                                          
                            
                                                                            
                                   
                                                                            
                                   
                                                                            
     
 

                                                                                                                
                                                    
                                                                           
                                                                                     
                                                                                               
                                                                               
                             
                               
                                                
                                       
                                                  
                                          
                                                    
                                                   
                                                
                                                       
                                                      
                                                                                      
                                                             
                                                                                   
                                                         
                                                                 
                                                               
                                                          
                                                   
                                                               
                                                                                                      
                                                                                                         
                                                                                           
                                                                                              
                                                                             
  

                                                                                                                                 
                                          
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                  
                                     
                                           
                                                             
                                               
                                                                                                   
                                                                                                                              
                                               
                                                           
                             
                                                                                                     
                               

                     
                                                                              

                                    
                                      
                                      
                                
                                          
                                          
                                                                
                                                                                                             
                                        
                                                            
                                                                      
                                                                                                               
                                                             
                                                              
                                                                                              
                                                                                                                                                                         
                                                                                                                 
                                 
                                                                                                      
                                                                                                                                                                   

                  
                                                                                                                                                  
                                          
                                                                            
                                                                        
                                                                                                                          
         
                                                                                                                                 
     
                                                                                 
                             
                                          
                                                                
                                                                              
                                                                        
                                                                                                                         
                                            
                                                                         
                                                                               
                                                                                                   
         
                                                                                                    
     

                    

                               
                             
                                                                    
                                                                                      
                                                                                                                                                                                    
                                                                                                                                              
     

                                                                                                  
                                                                        
                                                              
                                                                
                                                                                     
                                                          
                                                          
                                                                  
                                         

                                              
                                              

                                                                                                                                                                       
                                    
                                                          
                      
                                          
                                                                                                       
         
     
                                           
                  
                                                        
                                                                      
     
                                                 
                               
                      
                                                            
                                                                                                                                                                  
         
     

                                
                  
                                           
                               
                                                                                 
                                                                                             
                              
                              
                     
         
                      
                                          
                                        
                                                              
                    
                                                                                                           
             
         
                                                                                            
     

                    
                  
                                                                                                       
                    

                  
                                                                                                                                                  
                                       
                                                                                                                       
                                                                            
                                                                        
                                                                                                                                 
         
     

 

                                                                        
                                                                                        
                                                                
                                                                                                                    
                                                        
                                                         
                                                          
                                                                               
                                                                            
                                                        
                                       
                                                                                 
                                        
                                                   
                                                                                    
                
                                                                           
                                                                
                                       
       
 

                                             
                                                                                      
                            
                                                                                        
                                   
                                                                                        
                                   
                                                                                        
     
 

                                                                                                
                                                                                                   
                                                                                                       
                                                                                                   
                                                                                                      
                                                                                                          
                                                                                                       
                                                                                                          
                                                                                                              

                                                                                                            
                                                                                                               
                                                                                                                   
                                                                                                               
                                                                                                                  
                                                                                                                      
                                                                                                                   
                                                                                                                      
                                                                                                                          

