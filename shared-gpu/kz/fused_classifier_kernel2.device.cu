#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*  Kernels for fused forward/backward classifier part
This fuses softmax, crossentropy, and logit gradients into a single pass, so we don't have to write unnecessary
(B, T, V) tensors. Such an operation is only possible if `dloss` can be known beforehand, which doesn't seem like
much of a restriction: In pretraining, it is just a constant 1/batch_size tensor, for fine-tuning we might zero
out the input prompt, but that is known in advance.

Compile example:
nvcc -O3 --use_fast_math -lcublas -lcublasLt classifier_fused.cu -o classifier_fused

./classifier_fused 1
./classifier_fused 2
./classifier_fused 3
./classifier_fused 4
*/

#include <stdio.h>
#include <stdlib.h>
#include <float.h>
#include <cuda_runtime.h>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>

#include <stdlib.h>
#include <stdio.h>
#include <cuda_runtime.h>
                      
                     
#include <float.h>

#define WARP_SIZE 32U
                                 

template<class T>
__host__ __device__ T ceil_div(T dividend, T divisor) {
    return (dividend + divisor-1) / divisor;
}

                                           
                                                    
                                                        
     
               
 

// requires all 32 threads in the warp to be active, but should work for any block size
// uses non-dynamic shared memory so every call increases shared memory requirements by 128 bytes
// the fact it's unique shared memory allows us to avoid an extra __syncthreads() call at the end
// but if called inside a loop, the shared memory will be implicitly reused, so set final_sync to 1
                                           

                                         
                                                                                      
                                            
                                                                                        
                                           
                                                
                                                
                                                 

                                         
                                                         
                    
                                                                           
                                               

                     
                                                                                            
     
                     
 

// Helper function to call blockReduce with default arguments
                                         
                                                
                                                         
 

// ----------------------------------------------------------------------------
// checking utils

// CUDA error checking
                                                                
                               
                                                               
                                          
                           
     
 ;
#define cudaCheck(err) (cuda_check(err, __FILE__, __LINE__))

// cuBLAS error checking
                                                                   
 
                                          
                                                                 
                           
     
 
#define cublasCheck(status) { cublasCheck((status), __FILE__, __LINE__); }

// ----------------------------------------------------------------------------
// cuBLAS setup
// these will be initialized by setup_main

// cuBLAS workspace. Hardcoding to 32MiB but only Hopper needs 32, for others 4 is OK
                                                         
                                       
                                               
                             
                                 
                        
                        
                      // for persistent threads where we want 1 threadblock per SM
                                // needed to calculate how many blocks to launch to fill up the GPU

// ----------------------------------------------------------------------------
// to make sure that 2 blocks fit on A100/H100 to maximise latency tolerance

#define MAX_1024_THREADS_BLOCKS 2




// ----------------------------------------------------------------------------
// Packed128 data structure, which forces the compiler to use 128-bit loads/stores
// in GPUs that support (the LDG.128 and STS.128 instructions)
// This is a bit similar to the use of float4 in the case of 32-bit floats, but
// supports arbitrary precision.

                           
                              
                                                                                 
                                                  
                          
                                              
                                                                         
                                              
     

                                                              
                         
                                       
                                      
         
                      
     

                                         
                           
     

                                        
                           
     

                                                   
                              
     
                                                               
                              
     
                                      
                  
                                                                         
                                              
                    
     
                                                                               
                                                                                        
                                                                         
                              
  

// short-form typedef
                              

// load a Packed128 from an aligned memory address
                           
                                                                       
                                                                           
 
// load a Packed128 from an aligned memory address with streaming cache hint
                           
                                                                         
                                                                                  
 
// store a Packed128 to an aligned memory address
                           
                                                                             
                                                        
 
// store a Packed128 to an aligned memory address with streaming cache hint
                           
                                                                               
                                                              
 
// store a Packed128 to an aligned memory address while caching in L2 but bypassing L1
                           
                                                                               
                                                              
 

// ----------------------------------------------------------------------------
// reduced/mixed precision utilities




















                              


// older nvcc does not provide __ldcs and __stcs for bfloat16, despite these actually just being unsigned shorts.
// we need to be careful here to only define our own versions if none already exist, otherwise the compiler will
// complain.
// If not, you easily get "no viable overload" (for sm52) and "function already exists" (sm_80)












// ----------------------------------------------------------------------------
// random utils

                                       
                                                   
                                    
                                                          
     
               
 

                                    
                                                   
                                    
                                                                       
     
               
 

                                       
                                             
                                    
                                            
     
               
 

                                   
                                                   
                                                  
               
 

                                  
                                                   
                                    
                      
     
               
 

// ----------------------------------------------------------------------------
// testing and benchmarking utils

                          
                                                                                         
                                                          
                                                                            
                                     
                                            
     

                                                                                                          
                    

                                                                                         
                                                                                           
                
                  
 

                   
                              

                        
                      
                                        
                              
                                                    
                                                  
                                                                 
                                       
                                       

                                
                                              
                                                  
                                                                        

                                                                                 
                                                   
                                                         
                                                                                   
                                                                                          
                                                                                                   
                                                                    
 

                          
                                                                                                                              
                                                      
                                                                                                    
                    

                                



                                            
                               
                                       
                     

                                          
                    
                                                               
         
                                                                             
                                                  
                                                                   
                                               
                                                             
                                                                                                               
                       
                                
                              
                                   
             
         
     

                      
                      
                           
     

                  
 

                                           
                                                                                 
                            
                                                          
                                                      
                                                                                                           
                                      
                      
                                        
                              
                                                               
                       
                                                                 

                                       
                                      
                             
                                       
                   
                                                                       
                                                              
                                                   
                                                         
                                                  
                                               
                                              
                          
                                                                   
                                    
     

                                      

                                  
 

// todo - this file does not properly support anything but FP32
// kernel 5 can be run in fp16/bf16 to test performance, but the outputs will be wrong







                              

// ----------------------------------------------------------------------------
// CPU code reference

                                                                      
                    
                                                        
                                     
                                           
                                     

                                 
                                     
                                      
                                    
             
         
                         
                                     
                                                   
                              
         
                                     
                              
         
     
 


                                            
                                                                     
                                                    
                                                                        
                                                    
                                                                             
                                            
                                     
                                               
                             
                                         
     
 

                                                      
                                                                                                    
                                                             
                                                      
                                            
                                             
                                               
                                  
                             
                                     
                                  
                                                    
                                                    
         
     
 

// ----------------------------------------------------
// Kernel Utils

// warp-level reduction for finding the maximum value
                                           
                                                    
                                                                   
     
               
 

// ----------------------------------------------------------------------------
// GPU kernels

struct SoftmaxParams {
    float Scale;
    float Offset;
};
namespace cg = cooperative_groups;
                                                                         
                                                                                       
                                                                                         
                                                                                
                                     
                                                               
                                      
                                   
                                                                                   
                                                     
                             
                        
                                                               
                       
                                  
                                                                                           
                                  
                                              
                                   
     
                                                                   
                                                                         
                                                                                        
                                             
                                                                   
                                                                      
                                     
                                      
                                              
 

                                                                       
                                                                                           
                                                          
                                      
                                                     
                                                                    
                                                                               
                                                                                  
                                                                
                                                                              
                                                                               
                                                            
               
     
                    
                    

                                                                       
                                                                

                                                                      
                                                                      
                                 
                                    
                                                                       
                                        
     

                                                  
                                                                         
                                                          
                                                               
                                                                      
                                                        
                                         
                                    
                                                
                                                   
     
 


__device__ float vec_at(const float4& vec, int index) {
    return reinterpret_cast<const float*>(&vec)[index];
}

__device__ SoftmaxParams prepare_softmax_blockwide(cg::thread_block_tile<32>& warp,
                                                   int64_t idx, const float* inp, int V, int P) {
    // one row of inp, i.e. inp[idx, :] of shape (V,)
    // float4 to get 128-bit loads and memory level parallelism
    const float4* x_vec4 = reinterpret_cast<const float4*>(inp + idx * P);

    float thread_maxval = -INFINITY;
    float thread_sumval = 0.0f;
    // do the loop in reverse to maximise probability of L2 cache hits
    // so even small L2s get some hits on the 2nd read of the same thread
    for (int i = ceil_div(V, 4) + threadIdx.x - blockDim.x; i >= 0; i -= blockDim.x) {
        float4 v4 = x_vec4[i];
        #pragma unroll
        for(int k = 0; k < 4; k++) {
            if (i*4+k >= V) {  // bounds checking against real V
                continue;
            }
            float old_maxval = thread_maxval;
            thread_maxval = fmaxf(thread_maxval, vec_at(v4, k));
            thread_sumval *= expf(old_maxval - thread_maxval);
            thread_sumval += expf(vec_at(v4, k) - thread_maxval);
        }
    }

    // two reductions of up to 1024 threads:
    // 1) inside warp (shuffle), 2) cross-warp (shared memory), 3) inside warp (shuffle)
    // this results in much cleaner assembly than a multi-warp cg::reduce
    __shared__ float shared_maxval[32];
    __shared__ float shared_sumval[32];
    int num_warps = blockDim.x / 32;
    int warp_id = threadIdx.x / 32;
    int lane_id = threadIdx.x % 32;

    // reduce maxval within each warp
    float warp_maxval = cg::reduce(warp, thread_maxval, cg::greater<float>{});
    // thread 0 in each warp writes to shared memory
    if (lane_id == 0) { shared_maxval[warp_id] = warp_maxval; }
    __syncthreads();
    // each thread now loads the maxval across previous warps
    // if the thread is "out of range" of data, use -FLT_MAX as the maxval
    warp_maxval = (lane_id < num_warps) ? shared_maxval[lane_id] : -FLT_MAX;
    // now reduce the maxval among the warp threads
    float block_maxval = cg::reduce(warp, warp_maxval, cg::greater<float>{});
    // each thread uses maxval to scale sumval to avoid numerical instability / overflow
    thread_sumval *= expf(thread_maxval - block_maxval);
    // (warp-level) reduce sumval, thread 0 in each warp saves result in shared memory
    float warp_sumval = cg::reduce(warp, thread_sumval, cg::plus<float>{});
    if (lane_id == 0) { shared_sumval[warp_id] = warp_sumval; }
    __syncthreads();
    // same strategy, now reduce sumval across warps
    warp_sumval = (lane_id < num_warps) ? shared_sumval[lane_id] : 0.0f;
    float block_sumval = cg::reduce(warp, warp_sumval, cg::plus<float>{});
    // return the softmax parameters
    return SoftmaxParams{1.f / block_sumval, block_maxval};
}

// Fused forward and backward pass for classifier including softmax, and logit gradients
// Writes to both probs (only for debugging) and dlogits (only for training) are optional
// N.B.: We may want to reuse the logits memory for dlogits, so they should *not* be __restrict__!
__global__ void fused_classifier_kernel2(float* dlogits, float* losses, float* probs,
                                         const float* logits, const float* dlosses, const int* targets,
                                         int B, int T, int V, int P) {
    namespace cg = cooperative_groups;
    cg::thread_block block = cg::this_thread_block();
    cg::thread_block_tile<32> warp = cg::tiled_partition<32>(block);
    int64_t idx = blockIdx.x;
    int ix = targets[idx];

    // softmax (reading B * T * V, same logits read again below, hopefully still in cache)
    SoftmaxParams sp = prepare_softmax_blockwide(warp, idx, logits, V, P);

    // calculate the probability needed for the loss and update (single-threaded)
    if(threadIdx.x == 0) {
        float prob = expf(logits[idx * P + ix] - sp.Offset) * sp.Scale;
        losses[idx] = -logf(prob);
    }

    // very sensible default for dlosses is 1/(B*T), which is the uniform loss
    float dloss = dlosses != NULL ? dlosses[idx] : 1.0f / (B*T);
    // calculate the gradients directly, saves bandwidth from probs during training
    // but also supports writing probs for inference-only and debugging
    const float4* logits_vec4 = reinterpret_cast<const float4*>(logits + idx * P);
    for (int i = threadIdx.x; i < ceil_div(V, 4); i += blockDim.x) {
        // this is the 2nd read of logits after the one in prepare_softmax2
        // this data will never be needed again, so we reduce cache persistence
        float4 v4 = __ldcs(&logits_vec4[i]);

        #pragma unroll
        for(int k = 0; k < 4; ++k) {
            int element = i*4 + k;
            float prob = expf(vec_at(v4, k) - sp.Offset) * sp.Scale;
            prob = (element < V) ? prob : 0.0f; // bounds checking against real V

            // this kernel is DRAM limited so cost of inner branch is ~zero
            if (probs != NULL) {
                probs[idx * P + element] = prob;
            }
            if (dlogits != NULL) {
                float indicator = element == ix ? 1.0f : 0.0f;
                dlogits[idx * P + element] = (prob - indicator) * dloss;
            }
        }
    }
}

                                                                                            
                                                                                                          
                          
                                                     

                                   
                                    
                               
                                                                      
                                                                         
                                                                         
                       
                                         
                                                
                                                          
                                                 
     

                                            
                                                                                        
                                                                         
                                       
                                       
                                    
                                   
                                   

                                     
                                                                              
                                                    
                                                               
                    
                                                             
                                                                          
                                                                            
                                                   
                                                                             
                                                                                        
                                                        
                                                                                      
                                                                           
                                                               
                    
                                                    
                                                                        
                                                                          
                                    
                                                           
 

// same as 2 but not using float4
                                                                                     
                                                                                                       
                                                                      
                                      
                                                     
                                                                    
                             
                          

                                                                                          
                                                                                   

                                                                                 
                          
                                                                       
                                  
     

                                                                              
                                                                
                                                                                   
                                                                       
                                               
                                                       
                                                                           
                                                                               
                                         
                                                    
                            
                                      
         
                              
                                                      
                                                              
         
     
 

                                                                                                  
                                                     

                                   
                                    
                               
                                                                      
                                                                         
                                                                                               
                                                                                       
                                                
                                                                         
                         
             
                                         
                                             
                                                    
                                                              
                                                     
         
     
                                            
                                                                                        
                                                                         
                                       
                                       
                                    
                                   
                                   

                                     
                                                     
                                                    
                                                               
                    
                                                             
                                                                          
                                                                            
                                                   
                                                    
                                                                                        
                                                        
                                                                                      
                                                                                                           

                                                               
                    
                                                    
                                                                        
                                                                                                          
                                    
                                                           
 

// same as 2 but using x128
                                                                                     
                                                                                                       
                                                                      
                             
                          

                                                                                          
                                                                     

                                                                                 
                          
                                                                              
                                  
     

                                                                              
                                                                       
                                                                                   
                                                                       
                                               
                                                                              
                                                                           
                                                                               
                                                                                                         
                          
                            
                                                         
                                                       
                                                                  
                         
             
                                           
                                                        
                                   
                                                            
                                                           
         
                                                                                                
                                                                                 
                            
                                                                                 
         
     
 

                                                                                                  
                          
                                                     

                                   
                                    
                               
                                                                   

                                                                                 
                                                                                            
                                  
                                             
                                      
                                                                               
             
                                               
                                             
                                                    
                                                                
                                                     
         
                        
     

                                                                              
                                     
                                                                                                          
                                             
                                         
                                             
                                                    
                                                                
                                                     
         
     

                                                          
                                                                                    
                                                        
                                                                   

                                    
                                                           
 

// will _update_ logits to logit gradients
// uses template to decide whether to write logits and probs
// split both loops in "multiple-of-x128-size" and "bounds-checked remainder" parts
                                                           
                                                                
                                                                                     
                                                                                                       
                                                                      
                             
                          

                                                                                          
                                                                     

                                                                                 
                          
                                                                              
                                           
     

                                                                              
                                                                         
                                                                                   
                                                                       
                                               
                                                                  
                                                                           
                                                                                                   
                                                                                                  
                          
                                             
                                           
                                                                                  
                                          
                                                            
                                                                       
         
                         
                                                                  
                                                                                                   
                                                                              
         
                         
                                                                     
         
     

                                                                      
                                                                                  
                                                                                        
                                                             
                                                                       
                                                  
                                                  
                         
                                                         
         
                         
                                             
         
     
 

// ----------------------------------------------------------------------------
// kernel launcher

                                                     
                                                                                    
                                                                   
                                                             
                                                                    
                                                                                 
                                               
                                                                              
                                                                                                               
                                  
 

                                                     
                                                                                    
                                                                   
                        
                            
                                                                                                                     
                                  
 

                                                     
                                                                                    
                                                                   
                        
                            
                                                                                                                     
                                  
 

                                                     
                                                                                    
                                                                   
                        
                            
                                                                                                                                                     
                                  
 

                                                     
                                                                                    
                                                                   
                        
                            
                                                                                                                                                                 
                                  
 

                                                                    
                                                                                    
                                                                   
                         
               
                                                                                                 
                  
               
                                                                                                 
                  
               
                                                                                                 
                  
               
                                                                                                 
                  
               
                                                                                                 
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                 
             

                                             
                                                  
                                             
                                                                                  

                      
                                        

                                           
                                                 
                                                   
                                                               
                                                          
                                              
                                             
                                                                                                 
                                                 
                                                  
                                
                                        
                                                     
         
     

                  
                   
                               
                                                    
                                                                 
                                                                
                                                                        
                                                           
                                                            
                                                             

                  
                                                                     
                                                                                                                                      
                                                                                             
                                                                                           

                                        
                       
                   
                                   
     
                                            

                                                             
                                                      

                                                
                                                 
                                                              
                                                                                 




     
                                                   
                                                                     
                                            
                                                            
                                                                                                                      
                                                                      
                                                                   
                                                                                                                                                           
                                                                                    
         
                                                              
     

                                                                 
                                        
                                
                                                                             
                                                                                                              
                                                                      
                                                                          
     

                  
                 
                
                  
                 
                  
                  
                   
                                   
                                  
                                  
                                   
                                   
                                          

             
 